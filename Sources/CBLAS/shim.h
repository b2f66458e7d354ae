#include <cblas.h>

// OpenBLAS ends its server threads (exported, not declared in cblas.h); it starts them again if a later call
// asks for more than one thread.
int blas_thread_shutdown_(void);

// OpenBLAS's own setup and teardown (exported, not declared): run again after OPENBLAS_CORETYPE is set, they
// choose the kernels it names (see useSingleThreadedBLAS).
void gotoblas_init(void);
void gotoblas_quit(void);

#include <cblas.h>

// OpenBLAS ends its server threads (exported, not declared in cblas.h); it starts them again if a later call
// asks for more than one thread.
int blas_thread_shutdown_(void);

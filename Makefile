# Builds the tools and installs them with their manual pages:
#   make install PREFIX=$HOME/.local        (then $HOME/.local/bin on PATH; man finds $HOME/.local/share/man)
# BIN=DIR installs tools already built in DIR instead of building a release; DESTDIR stages a package.
PREFIX ?= /usr/local
CONFIG ?= release
TOOLS = ul-partition ul-select ul-train ul-predict ul-forget ul-influence ul-audit ul-inspect ul-plot
MAN = $(DESTDIR)$(PREFIX)/share/man

.PHONY: build install uninstall

build:
	swift build -c $(CONFIG)

ifeq ($(BIN),)
BIN = $(shell swift build -c $(CONFIG) --show-bin-path)
install: build
endif

install:
	install -d $(DESTDIR)$(PREFIX)/bin $(MAN)/man1 $(MAN)/man5 $(MAN)/man7
	install -m 755 $(addprefix $(BIN)/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(MAN)/man1/
	install -m 644 man/*.5 $(MAN)/man5/
	install -m 644 man/*.7 $(MAN)/man7/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(TOOLS))
	cd man && for page in *.1 *.5 *.7; do rm -f "$(MAN)/man$${page##*.}/$$page"; done

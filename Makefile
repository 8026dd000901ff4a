# Makefile for hnswext (PGXS)
#
#   make              build the extension
#   make SANITIZE=1   build it with AddressSanitizer and UndefinedBehavior-
#                     Sanitizer (loads only into a server started with the
#                     ASan runtime in LD_PRELOAD; see test/run-tests.sh)
#   make install      install it into the PostgreSQL found by $(PG_CONFIG)
#   make test         bootstrap, build, install, run every test suite on a
#                     throwaway cluster (see test/run-tests.sh)
#   make test SANITIZE=1
#                     the same with a sanitized build, built in a copy of
#                     the tree so that no sanitized object is left here
#   make fuzz         build the libFuzzer harnesses in test/fuzz (clang)
#   make demo         bootstrap, build, install and walk through a session on a
#                     throwaway cluster (see test/demo.sh)
#   make deb          build postgresql-15-hnswext_<version>_amd64.deb with
#                     Debian's tooling, in a copy of the tree (see
#                     debian/build-deb.sh)

EXTENSION = hnswext
MODULE_big = hnswext
# The install script of each release, never edited after the release, and
# an upgrade script per release after it; CREATE EXTENSION runs them in
# order.
DATA = sql/hnswext--0.1.0.sql sql/hnswext--0.1.0--0.2.0.sql
# src/ holds the type and distance kernels and the index; src/tuning/ the
# tuning and inspection functions, which see the index through src/hnsw.h.
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/tuning/*.c)))
PG_CPPFLAGS += -I$(srcdir)/src
# Other extensions may build on the vector type; the index's headers are
# its own business.
HEADERS = src/vector.h

# Every sql/*.sql except the install scripts is a regression test.
REGRESS = $(patsubst sql/%.sql,%,$(sort $(filter-out sql/hnswext--%.sql,$(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# Warnings are errors whenever WERROR=1 (the test runner and CI set it).
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-sign-compare -fno-strict-aliasing
ifeq ($(WERROR),1)
PG_CFLAGS += -Werror
endif

# Errors stop the process at once (-fno-sanitize-recover), so a report
# cannot scroll by unnoticed.
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
ifeq ($(SANITIZE),1)
PG_CFLAGS += $(SANITIZE_FLAGS) -g
SHLIB_LINK += $(SANITIZE_FLAGS)
endif

EXTRA_CLEAN = test/tmp_check test/results test/fuzz/build

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

.PHONY: test demo bootstrap fuzz deb

bootstrap:
	bash test/bootstrap.sh

test:
	bash test/run-tests.sh

demo:
	bash test/demo.sh $(DEMO_FLAGS)

fuzz:
	$(MAKE) -C test/fuzz PG_CONFIG=$(PG_CONFIG)

deb:
	bash debian/build-deb.sh

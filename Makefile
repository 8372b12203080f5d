# raidmig: see README. `make`, `make check`, `make demo`, `make bench`.
PREFIX  ?= /usr/local
DEMO_DIR ?= demo
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -std=gnu11
LDLIBS  += -lpopt -lblkid -lz -lisal -lpthread

CORE = layout.o fssize.o overlap.o parity.o meta.o mdsb.o mdarray.o io.o atonce.o util.o journal.o checkpoint.o \
       copy.o readahead.o volio.o array.o probe.o create.o reshape.o report.o estimate.o
OBJS = raidmig.o convert.o access.o $(CORE)
HDRS = $(wildcard *.h)

all: raidmig

raidmig: $(OBJS)
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

%.o: %.c $(HDRS)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

test/unit: test/unit.c $(CORE) $(HDRS)
	$(CC) $(WARN) $(CFLAGS) -I. $(LDFLAGS) -o $@ test/unit.c $(CORE) $(LDLIBS)

# the same code under AddressSanitizer and UndefinedBehaviorSanitizer
SAN = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
raidmig-asan: $(OBJS:.o=.c) $(HDRS)
	$(CC) $(SAN) $(WARN) $(LDFLAGS) -o $@ $(OBJS:.o=.c) $(LDLIBS)

test/unit-asan: test/unit.c $(CORE:.o=.c) $(HDRS)
	$(CC) $(SAN) $(WARN) -I. $(LDFLAGS) -o $@ test/unit.c $(CORE:.o=.c) $(LDLIBS)

check:
	test/deps
	$(MAKE) all test/unit test/shim.so raidmig-asan test/unit-asan
	test/run

demo:
	test/deps
	$(MAKE) all
	DEMO_DIR=$(DEMO_DIR) test/demo

# make bench [BENCH="--size 2G --members 2,4 --rss 1G,8G --scale 256M,1G,4G,8G"]
# make bench BENCH="--profiles hdd,ssd,vm"   (root: loop devices, blkio cgroup)
# make bench BENCH_RESHAPE="--size 1G --profiles hdd,ssd"   (md array migrations, same model)
# make bench BENCH_VM="--size 128M --reps 3"   (md's own reshape against raidmig in the VM; 77: no VM)
bench: all test/rawcopy test/flushdelay.so
	python3 test/bench.py $(BENCH)
	python3 test/benchreshape.py $(BENCH_RESHAPE)
	python3 test/benchvm.py $(BENCH_VM) || [ $$? = 77 ]

test/flushdelay.so: test/flushdelay.c
	$(CC) -shared -fPIC -O2 -Wall -Wextra -o $@ test/flushdelay.c -ldl

test/rawcopy: test/rawcopy.c
	$(CC) -O2 -Wall -Wextra -o $@ test/rawcopy.c -lpthread

install: raidmig
	install -D -m 755 raidmig $(DESTDIR)$(PREFIX)/bin/raidmig
	install -D -m 644 raidmig.1 $(DESTDIR)$(PREFIX)/share/man/man1/raidmig.1

clean:
	rm -f raidmig raidmig-asan *.o test/unit test/unit-asan test/shim.so test/flushdelay.so test/rawcopy
	rm -rf test/work test/fuzz/fuzz-meta test/fuzz/fuzz-mdsb test/fuzz/fuzz-journal

.PHONY: all check demo bench install clean fuzz

test/shim.so: test/shim.c
	$(CC) -shared -fPIC -O2 -Wall -Wextra -o $@ test/shim.c -ldl

# libFuzzer: make fuzz [FUZZ_SECONDS=N] runs each harness N seconds (CI: a smoke run)
FUZZ_SECONDS ?= 60
FUZZCC ?= clang
FUZZFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I.
test/fuzz/fuzz-meta: test/fuzz/fuzz_meta.c layout.c overlap.c meta.c mdsb.c $(HDRS)
	$(FUZZCC) $(FUZZFLAGS) -o $@ test/fuzz/fuzz_meta.c layout.c overlap.c meta.c mdsb.c -lz

test/fuzz/fuzz-mdsb: test/fuzz/fuzz_mdsb.c mdsb.c $(HDRS)
	$(FUZZCC) $(FUZZFLAGS) -o $@ test/fuzz/fuzz_mdsb.c mdsb.c

test/fuzz/fuzz-journal: test/fuzz/fuzz_journal.c journal.c util.c $(HDRS)
	$(FUZZCC) $(FUZZFLAGS) -o $@ test/fuzz/fuzz_journal.c journal.c util.c -lz

fuzz:
	test/deps --fuzz
	$(MAKE) test/fuzz/fuzz-meta test/fuzz/fuzz-mdsb test/fuzz/fuzz-journal
	test/fuzz/run $(FUZZ_SECONDS)

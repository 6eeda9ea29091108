# SPDX-License-Identifier: GPL-2.0
#
# compactlab: build the module against a kernel tree, and run the tests.
#
#   make                         build against the running kernel
#   make KDIR=/path/to/headers   build against another kernel
#   make KDIR=... ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
#   make check                   every test tier (installs what it needs)
#   make demo                    boot a guest and show the arena

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(shell pwd)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(PWD) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	rm -rf build

# User-space core tests only (seconds).
check-core:
	scripts/setup-host
	$(MAKE) -C selftests/core check

check:
	scripts/run-check

demo:
	scripts/demo

.PHONY: all modules modules_install clean check check-core demo

# SPDX-License-Identifier: GPL-2.0
#
# compactlab: build the module against a kernel tree, and run the tests.
#
#   make                         build against the running kernel
#   make KDIR=/path/to/headers   build against another kernel
#   make KDIR=... ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
#   make check                   every test tier (installs what it needs)
#   make demo                    boot a guest and show the arena
#   make bench [QUICK=1]         every benchmark against the guest kernel
#   make checkpatch|sparse|kernel-doc|clang-format|gates
#                                the kernel-style gates (TAP)
#   make htmldocs                the documentation, with Sphinx
#   make dkms-install            register, build and install with DKMS

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(shell pwd)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

# The target's release is UTS_RELEASE (Debian's 6.1 headers carry another
# string in include/config/kernel.release).
KREL_OF_KDIR = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h)

modules_install:
	$(MAKE) -C $(KDIR) M=$(PWD) KERNELRELEASE=$(KREL_OF_KDIR) modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KREL_OF_KDIR)

DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC := /usr/src/compactlab-$(DKMS_VERSION)

dkms-install:
	command -v dkms >/dev/null || apt-get install -y -qq --no-install-recommends dkms
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -a Kbuild Makefile dkms.conf module include $(DKMS_SRC)/
	dkms add -m compactlab -v $(DKMS_VERSION)
	dkms build -m compactlab -v $(DKMS_VERSION)
	dkms install -m compactlab -v $(DKMS_VERSION)

checkpatch sparse kernel-doc clang-format:
	scripts/gates $@

gates:
	scripts/gates

htmldocs:
	command -v sphinx-build >/dev/null || apt-get install -y -qq --no-install-recommends python3-sphinx
	sphinx-build -W -q -b html Documentation build/htmldocs
	@echo "build/htmldocs/index.html"

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	rm -rf build

# User-space core tests only (seconds).
check-core:
	scripts/setup-host
	$(MAKE) -C selftests/core check

check:
	scripts/run-check

# The debug kernel's stress in full: a million migrations, a 10-minute
# race soak, the live mirror on and off 100 times under load and fail-nth
# at every point of init (make check runs 150,000, 60 s, 5 and every
# second point).
stress:
	CLAB_KERNELS=x86_64:debug STRESS_MIGRATIONS=1000000 MIRROR_CYCLES=100 \
		FAILNTH_STRIDE=1 STRESS_MIN=$(or $(STRESS_MIN),10) scripts/run-check

demo:
	scripts/demo

# The kernel and policy linux on the same cloned layout (issue 14): every
# scenario, build/fidelity/x86_64-6.1/. FIDELITY_ARGS passes options.
fidelity:
	scripts/fidelity $(FIDELITY_ARGS)

# Every benchmark, one table: build/results/bench.csv and the plots.
bench:
	scripts/bench $(if $(QUICK),--quick)

# The live mirror's overhead, drain and policies on the same demand.
bench-mirror:
	scripts/bench-mirror

.PHONY: all modules modules_install clean check check-core stress demo bench bench-mirror fidelity \
	dkms-install checkpatch sparse kernel-doc clang-format gates htmldocs

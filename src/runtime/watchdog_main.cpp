// faaslab-watchdog: the OpenFaaS-compatible watchdog as its own small binary (the same as
// `faaslab watchdog`), configured entirely by environment variables. See docs/runtime.md.
#include <cstring>
#include <iostream>

#include "runtime/watchdog_main.h"

int main(int argc, char** argv) {
  return faaslab::runtime::watchdog_main(argc, argv);
}

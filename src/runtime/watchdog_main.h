// The watchdog's command line, shared by `faaslab watchdog` and the faaslab-watchdog binary:
// everything comes from the environment (OpenFaaS style); --help lists the variables.
#pragma once

namespace faaslab::runtime {

int watchdog_main(int argc, char** argv);

}  // namespace faaslab::runtime

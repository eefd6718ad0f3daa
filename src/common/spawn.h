// Starting a child process without a shell: the one place faaslab calls posix_spawn (vfork
// semantics in glibc, so the cost does not grow with the parent's memory). Both the blocking
// Subprocess and the runtime's asynchronous processes start children through it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace faaslab {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is a path (see runtime::resolve_executable)
  std::vector<std::string> env;   // the child's whole environment, "KEY=value"
  bool pipe_stdin = true;         // else /dev/null
  bool pipe_stdout = true;        // else inherit the parent's
  bool pipe_stderr = true;        // else inherit the parent's
  bool stderr_to_stdout = false;  // both into the stdout pipe (OpenFaaS combine_output)
  int pass_fd = -1;               // passed to the child as fd 3 (LISTEN_FDS socket activation)
  bool new_process_group = true;  // so kill_group() reaches the child's own children too
};

struct SpawnedProcess {
  pid_t pid = -1;
  int stdin_fd = -1;   // write end, or -1
  int stdout_fd = -1;  // read end, or -1
  int stderr_fd = -1;  // read end, or -1
};

// Starts the child with a clean signal mask and default signal dispositions (whatever the
// parent blocks or ignores) and no descriptor but 0, 1, 2 and pass_fd (as 3), whether or not
// the parent's others are close-on-exec. The returned fds are close-on-exec; the caller owns
// them. Errors: the executable is missing or not executable, out of processes or fds.
Result<SpawnedProcess> spawn_process(const SpawnOptions& options);

// SIGNAL to the child's process group if it has its own, else to the child.
void kill_process(pid_t pid, int signal, bool group);

}  // namespace faaslab

// The gateway's basic auth, as OpenFaaS's: credentials in two files, basic-auth-user and
// basic-auth-password, in a secrets directory (OpenFaaS mounts them at
// /var/openfaas/secrets). faaslab reads them from $basic_auth_user / $basic_auth_password
// first, then from the directory; with neither, it generates a random password into the
// directory (mode 0600; the user of an existing basic-auth-user file, else "admin") and says so
// once. Existing files that group or others may read, or a directory that is not this user's,
// are used with a warning.
#pragma once

#include <string>
#include <string_view>

#include "common/env.h"
#include "common/result.h"

namespace faaslab::runtime {

struct Credentials {
  std::string user;
  std::string password;
  bool generated = false;  // created just now
  std::string source;      // where they came from, for the log
};

Result<Credentials> load_or_create_credentials(const std::string& secrets_dir, const Env& env);

// Credentials made up on the spot and written nowhere: `user` and a random password of 24
// characters (std::random_device, 57 letters without 0 O 1 l I: about 140 bits).
Credentials random_credentials(std::string user, std::string source);

// Checks an Authorization header ("Basic base64(user:password)") in constant time.
bool check_basic_auth(std::string_view authorization, const Credentials& credentials);

// The default secrets directory: $XDG_CONFIG_HOME/faaslab, else $HOME/.config/faaslab, else
// .config/faaslab in this user's home directory from the password database; an error (asking
// for --secrets-dir) when there is none.
Result<std::string> default_secrets_dir(const Env& env);

}  // namespace faaslab::runtime

#pragma once

// A directory that reaches a real identity service with an API client of its own, for the tests
// of what the directory asks identity for (school-managed accounts, verification levels, the
// children of the state's register).

#include <functional>
#include <memory>

#include "services/directory/tests/directory_fixture.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::directory::testing {

struct DirectoryWithIdentity {
  std::unique_ptr<identity::testing::IdentityFixture> identity;
  std::unique_ptr<DirectoryFixture> directory;  // null without test servers
};

// `adjust_identity` changes identity's configuration before it starts (ESIA, say).
DirectoryWithIdentity StartDirectoryWithIdentity(
    const std::function<void(identity::IdentityConfig&)>& adjust_identity = nullptr);

}  // namespace parta::directory::testing

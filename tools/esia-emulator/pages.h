#pragma once

// The HTML pages a person sees: the login page that stands in for ESIA's, and error pages for
// requests that cannot be sent back to the system.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tools/esia-emulator/persons.h"

namespace parta::esia_emulator {

// A form posting to /aas/oauth2/v2/ac/login with the hidden field `request` = `request_id` and
// one submit button `person` = login per person.
std::string LoginPage(absl::string_view request_id, absl::string_view client_id,
                      const std::vector<Person>& persons);

// A page naming an error: `title` as the heading, `message` below it (both escaped).
std::string ErrorPage(absl::string_view title, absl::string_view message);

}  // namespace parta::esia_emulator

#pragma once

// The scopes of Parta's own services: what each calls on the others' internal RPCs (the
// `parta.api.v1.scope` option of each), and so what its API client is granted — no more.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace parta::identity {

// By service name ("directory").
const std::map<std::string, std::vector<std::string>, std::less<>>& ServiceScopes();

// Whether `scope` may be granted to a new API client: the shape of a declared scope
// (`<service>.<what>.<verb>`: lower-case letters, digits, `_`, at least two dots), never the
// legacy all-powerful `parta.internal`.
bool GrantableScope(absl::string_view scope);

// Whether the RPCs of `scope` check that the caller may touch the school they act on (the
// token's `schools` and `regions`): the only scopes a client limited to schools may hold, since
// every other internal RPC would let it past its limits.
bool SchoolCheckedScope(absl::string_view scope);

}  // namespace parta::identity

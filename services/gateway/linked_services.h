#pragma once

// The services whose protos the gateway is built with. Their annotated RPCs become routes when
// the service's backend address is configured; adding an RPC to one of them needs no change
// here, adding a service needs one line here and its proto library in CMakeLists.txt.

#include <vector>

#include "google/protobuf/descriptor.h"

namespace parta::gateway {

std::vector<const google::protobuf::ServiceDescriptor*> LinkedServices();

}  // namespace parta::gateway

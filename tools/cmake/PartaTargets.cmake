# One short call per kind of target:
#   parta_cc_library(<name> SRCS … DEPS …)        → static library parta_<name>, alias parta::<name>
#   parta_cc_binary(<name> SRCS … DEPS …)         → executable <name>
#   parta_cc_test(<name> SRCS … DEPS … LABELS …)  → Catch2 test binary, each TEST_CASE a ctest test
#   parta_proto_library(<name> PROTOS … DEPS … [GRPC]) → generated code library parta::proto_<name>
# Sources include each other from the repository root ("libs/core/status.h"); generated protos by
# their import path ("parta/identity/v1/identity.pb.h").

function(_parta_own_code target)
  target_compile_options(${target} PRIVATE ${PARTA_WARNINGS})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}")
endfunction()

function(parta_cc_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(parta_${name} STATIC ${ARG_SRCS})
  add_library(parta::${name} ALIAS parta_${name})
  _parta_own_code(parta_${name})
  target_link_libraries(parta_${name} PUBLIC ${ARG_DEPS})
endfunction()

function(parta_cc_binary name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  _parta_own_code(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# LABELS is the tier: unit, api, integration or e2e. ctest -L <tier> runs one tier.
# RESOURCE_LOCK names something its test cases must not share with other tests running at the
# same time (a browser: two of them at once starve each other on a small machine). RUN_SERIAL
# runs each of its test cases with no other test beside it (four Chromium pages and Janus need
# the whole of a one-core machine).
function(parta_cc_test name)
  cmake_parse_arguments(ARG "RUN_SERIAL" "RESOURCE_LOCK" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  _parta_own_code(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} Catch2::Catch2WithMain)
  set(properties LABELS "${ARG_LABELS}")
  if(ARG_RESOURCE_LOCK)
    list(APPEND properties RESOURCE_LOCK "${ARG_RESOURCE_LOCK}")
  endif()
  if(ARG_RUN_SERIAL)
    list(APPEND properties RUN_SERIAL TRUE)
  endif()
  # -w NoTests: a test name that matches nothing fails instead of passing silently.
  catch_discover_tests(${name} TEST_PREFIX "${name}: " EXTRA_ARGS -w NoTests
    PROPERTIES ${properties})
endfunction()

# Generated code is compiled without warnings and included as a system header.
function(parta_proto_library name)
  cmake_parse_arguments(ARG "GRPC" "" "PROTOS;DEPS" ${ARGN})
  set(target parta_proto_${name})
  add_library(${target} STATIC ${ARG_PROTOS})
  add_library(parta::proto_${name} ALIAS ${target})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  target_include_directories(${target} SYSTEM PUBLIC "${PARTA_PROTO_OUT}")
  target_compile_options(${target} PRIVATE -w)
  protobuf_generate(TARGET ${target} LANGUAGE cpp
    IMPORT_DIRS "${PARTA_PROTO_ROOT}" "${PARTA_GOOGLEAPIS_DIR}"
    PROTOC_OUT_DIR "${PARTA_PROTO_OUT}")
  if(ARG_GRPC)
    target_link_libraries(${target} PUBLIC gRPC::grpc++)
    protobuf_generate(TARGET ${target} LANGUAGE grpc OUT_VAR grpc_srcs
      GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
      PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
      IMPORT_DIRS "${PARTA_PROTO_ROOT}" "${PARTA_GOOGLEAPIS_DIR}"
      PROTOC_OUT_DIR "${PARTA_PROTO_OUT}")
  endif()
  set_property(GLOBAL APPEND PROPERTY PARTA_ALL_PROTOS ${ARG_PROTOS})
endfunction()

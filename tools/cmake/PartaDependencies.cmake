# Every third-party dependency is looked up here, once. All come from Debian bookworm packages.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(Catch2 2 CONFIG REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(nlohmann_json 3 REQUIRED)
find_package(CURL REQUIRED)
# Boost.Beast for the gateway. Bookworm's libphonenumber-dev (identity) depends on Boost 1.74's
# development packages, which conflict with libboost1.81-dev, so the gateway uses 1.74's Beast.
find_package(Boost 1.74 CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(libmagic REQUIRED IMPORTED_TARGET libmagic)
pkg_check_modules(poppler REQUIRED IMPORTED_TARGET poppler-cpp)
pkg_check_modules(vips REQUIRED IMPORTED_TARGET vips-cpp)
pkg_check_modules(gumbo REQUIRED IMPORTED_TARGET gumbo)
pkg_check_modules(libzip REQUIRED IMPORTED_TARGET libzip)
include(Catch)

# Libraries without CMake or pkg-config metadata.
find_library(PARTA_PHONENUMBER_LIB phonenumber REQUIRED)
add_library(parta_ext_phonenumber INTERFACE)
target_link_libraries(parta_ext_phonenumber INTERFACE ${PARTA_PHONENUMBER_LIB} protobuf::libprotobuf)
add_library(parta::ext::phonenumber ALIAS parta_ext_phonenumber)

# libzxcvbn-dev ships only a non-PIC static archive; link the shared library of libzxcvbn0.
find_library(PARTA_ZXCVBN_LIB NAMES libzxcvbn.so.0 REQUIRED)
add_library(parta_ext_zxcvbn INTERFACE)
target_link_libraries(parta_ext_zxcvbn INTERFACE ${PARTA_ZXCVBN_LIB} m)
add_library(parta::ext::zxcvbn ALIAS parta_ext_zxcvbn)

# Proto sources that Debian ships outside any C++ package.
set(PARTA_GOOGLEAPIS_DIR /usr/share/gocode/src/github.com/gogo/googleapis)
set(PARTA_GRPC_PROTO_DIR /usr/share/grpc-proto)
find_program(PARTA_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)

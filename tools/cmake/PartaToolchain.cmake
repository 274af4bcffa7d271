# Compiler, linker and launcher settings shared by every target.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE RelWithDebInfo)
endif()

find_program(PARTA_CCACHE ccache)
if(PARTA_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER "${PARTA_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${PARTA_CCACHE}")
endif()

find_program(PARTA_MOLD mold)
find_program(PARTA_LLD ld.lld)
if(PARTA_MOLD)
  add_link_options(-fuse-ld=mold)
elseif(PARTA_LLD)
  add_link_options(-fuse-ld=lld)
endif()

# Warnings apply to the project's own code; generated code is compiled without them.
set(PARTA_WARNINGS -Wall -Wextra -Wnon-virtual-dtor -Wimplicit-fallthrough
    -Wno-missing-field-initializers)
if(PARTA_WERROR)
  list(APPEND PARTA_WARNINGS -Werror)
endif()

if(PARTA_FUZZ)
  # Coverage for libFuzzer everywhere; the fuzz executables add -fsanitize=fuzzer at link.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(PARTA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# cmake/Warnings.cmake: compiler warnings and sanitizers, applied to every
# portrait target through the interface target portrait_build_flags.
add_library(portrait_build_flags INTERFACE)
target_compile_options(portrait_build_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
if(PORTRAIT_WARNINGS_AS_ERRORS)
  target_compile_options(portrait_build_flags INTERFACE -Werror)
endif()
if(PORTRAIT_SANITIZE)
  target_compile_options(portrait_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(portrait_build_flags INTERFACE -fsanitize=address,undefined)
endif()

# cmake/Options.cmake: every build default of portrait in one place, each
# documented where it is set.

# Release unless asked otherwise: the monthly job is always run optimised.
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Release or RelWithDebInfo (Debug also works)" FORCE)
endif()
set_property(CACHE CMAKE_BUILD_TYPE PROPERTY STRINGS Release RelWithDebInfo Debug)

# Warnings are always on; CI turns them into errors so none accumulate.
option(PORTRAIT_WARNINGS_AS_ERRORS "Treat compiler warnings as errors (CI sets ON)" OFF)

# AddressSanitizer + UndefinedBehaviorSanitizer for the whole tree. Open MPI
# leaks by design at MPI_Finalize, so leak detection is left to the caller
# (ASAN_OPTIONS=detect_leaks=0 is set for the tests).
option(PORTRAIT_SANITIZE "Build with -fsanitize=address,undefined" OFF)

option(PORTRAIT_BUILD_TESTS "Build the unit, MPI and end-to-end tests" ON)
option(PORTRAIT_BUILD_BENCHMARKS "Build the Google Benchmark micro-benchmarks" ON)

# Per-test limit in seconds; a test that takes longer is a hang and fails.
set(PORTRAIT_TEST_TIMEOUT 120 CACHE STRING "ctest TIMEOUT for each test, seconds")

# Process counts at which every MPI test is registered (odd counts catch
# off-by-one splits of buckets and rows).
set(PORTRAIT_MPI_TEST_NPROCS 1 2 3 4 CACHE STRING "mpirun -np values for MPI tests")

# cmake/MpiTest.cmake: registration of tests.
#
# portrait_add_mpi_test(NAME SOURCES ... [NPROCS 1 2 3 4] [TIMEOUT s] [LIBS ...])
#   builds NAME from SOURCES with the MPI gtest main and registers one ctest
#   entry per process count, NAME.npN, run as
#   mpirun -np N --oversubscribe --bind-to none NAME.
#   PROCESSORS N keeps `ctest -j` from oversubscribing the machine further,
#   TIMEOUT turns a hang into a failure, and OMP_NUM_THREADS=1 keeps N ranks
#   from each starting a full OpenMP team unless the test asks for one.

# Open MPI refuses to run as root unless told; CI and the containers run as
# root, clusters do not, and the variables are harmless there. Tests run more
# ranks and threads than cores, next to other work: a rank waiting in a
# collective and an idle OpenMP thread yield their core instead of spinning
# (on a loaded 2-core machine one allreduce took 2-12 ms spinning, 0.01 ms
# yielding; a 4-rank x 2-thread training 77 s spinning, 1.6 s passive).
set(PORTRAIT_MPI_ENV OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
    OMP_WAIT_POLICY=passive)
set(PORTRAIT_MPIEXEC ${MPIEXEC_EXECUTABLE} --oversubscribe --bind-to none)

function(portrait_add_mpi_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;NPROCS;LIBS" ${ARGN})
  if(NOT ARG_NPROCS)
    set(ARG_NPROCS ${PORTRAIT_MPI_TEST_NPROCS})
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT ${PORTRAIT_TEST_TIMEOUT})
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE portrait_mpi_gtest_main portrait_core ${ARG_LIBS} portrait_build_flags)
  foreach(np IN LISTS ARG_NPROCS)
    add_test(NAME ${name}.np${np}
             COMMAND ${PORTRAIT_MPIEXEC} -np ${np} $<TARGET_FILE:${name}>)
    set_tests_properties(${name}.np${np} PROPERTIES
      TIMEOUT ${ARG_TIMEOUT}
      PROCESSORS ${np}
      LABELS mpi
      ENVIRONMENT "${PORTRAIT_MPI_ENV};OMP_NUM_THREADS=1;ASAN_OPTIONS=detect_leaks=0")
  endforeach()
endfunction()

# portrait_add_script_test(NAME SCRIPT [ARGS ...] [TIMEOUT s] [LABELS ...])
#   a bash test (end-to-end or meta test) that receives the build directory,
#   the source directory and the portrait executable in its environment.
function(portrait_add_script_test name)
  cmake_parse_arguments(ARG "" "SCRIPT;TIMEOUT" "ARGS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT ${PORTRAIT_TEST_TIMEOUT})
  endif()
  add_test(NAME ${name} COMMAND bash ${ARG_SCRIPT} ${ARG_ARGS})
  string(REPLACE ";" " " mpiexec_text "${PORTRAIT_MPIEXEC}")
  set_tests_properties(${name} PROPERTIES
    TIMEOUT ${ARG_TIMEOUT}
    LABELS "${ARG_LABELS}"
    ENVIRONMENT "${PORTRAIT_MPI_ENV};PORTRAIT=$<TARGET_FILE:portrait>;PORTRAIT_BUILD_DIR=${CMAKE_BINARY_DIR};PORTRAIT_SOURCE_DIR=${CMAKE_SOURCE_DIR};PORTRAIT_MPIEXEC=${mpiexec_text};OMP_NUM_THREADS=1;ASAN_OPTIONS=detect_leaks=0")
endfunction()

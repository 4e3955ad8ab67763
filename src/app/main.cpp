// src/app/main.cpp: entry point of the portrait executable: MPI up, command
// line, MPI down. Every rank runs this; rank 0 speaks for the job.
#include <malloc.h>

#include "app/cli.hpp"

int main(int argc, char** argv) {
  // Freed buffers stay in the process instead of going back to the kernel:
  // on these machines the first touch of fresh pages costs more than the
  // work on them, and every phase allocates and frees large columns.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, -1);
  portrait::parallel::MpiEnvironment mpi(&argc, &argv);
  const portrait::parallel::Comm world;
  return portrait::app::run_cli(argc, argv, world);
}

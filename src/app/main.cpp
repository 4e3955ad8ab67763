// src/app/main.cpp: entry point of the portrait executable: MPI up, command
// line, MPI down. Every rank runs this; rank 0 speaks for the job.
#include "app/cli.hpp"

int main(int argc, char** argv) {
  portrait::dist::MpiEnvironment mpi(&argc, &argv);
  const portrait::dist::Comm world;
  return portrait::app::run_cli(argc, argv, world);
}

# cmake/Version.cmake: the git commit baked into `portrait version`. The
# commit is re-read at every build (not only at configure), and the generated
# file is rewritten only when it changes, so nothing rebuilds needlessly.
set(PORTRAIT_COMMIT_FILE ${CMAKE_BINARY_DIR}/generated/git_commit.cpp)
add_custom_target(portrait_git_commit
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DOUTPUT=${PORTRAIT_COMMIT_FILE}
          -P ${CMAKE_SOURCE_DIR}/cmake/WriteGitCommit.cmake
  BYPRODUCTS ${PORTRAIT_COMMIT_FILE}
  COMMENT "Reading git commit")

# Writes generated/scalesweep/version.hpp with the source tree's current git revision. Run at
# every build (not only at configure time), so a result file never names a stale revision; the
# header is rewritten only when the revision changes, so an unchanged tree recompiles nothing.
# Inputs: SOURCE_DIR, OUTPUT, PROJECT_VERSION.
# Only the source tree's own repository: a release tarball unpacked inside another git checkout
# must not record that checkout's revision.
execute_process(COMMAND git rev-parse --show-toplevel
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE toplevel OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
set(SCALESWEEP_GIT_REVISION "")
if(toplevel AND IS_DIRECTORY "${toplevel}")
  file(REAL_PATH "${toplevel}" toplevel)
  file(REAL_PATH "${SOURCE_DIR}" source_dir)
  if(toplevel STREQUAL source_dir)
    execute_process(COMMAND git describe --always --dirty --abbrev=12
                    WORKING_DIRECTORY ${SOURCE_DIR}
                    OUTPUT_VARIABLE SCALESWEEP_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                    ERROR_QUIET)
  endif()
endif()
if(NOT SCALESWEEP_GIT_REVISION)
  set(SCALESWEEP_GIT_REVISION "unknown")
endif()
configure_file(${SOURCE_DIR}/cmake/version.hpp.in ${OUTPUT} @ONLY)

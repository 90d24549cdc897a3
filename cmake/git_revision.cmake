# Writes generated/scalesweep/version.hpp with the source tree's current git revision. Run at
# every build (not only at configure time), so a result file never names a stale revision; the
# header is rewritten only when the revision changes, so an unchanged tree recompiles nothing.
# Inputs: SOURCE_DIR, OUTPUT, PROJECT_VERSION.
execute_process(COMMAND git describe --always --dirty --abbrev=12
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE SCALESWEEP_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT SCALESWEEP_GIT_REVISION)
  set(SCALESWEEP_GIT_REVISION "unknown")
endif()
configure_file(${SOURCE_DIR}/cmake/version.hpp.in ${OUTPUT} @ONLY)

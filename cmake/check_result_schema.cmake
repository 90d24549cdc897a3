# Fails when the committed schema copy (COMMITTED) differs from the one this build writes
# (GENERATED): the Python package (python/scalesweep) reads the committed one.
file(READ "${GENERATED}" generated)
file(READ "${COMMITTED}" committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "${COMMITTED} differs from the schema this build writes (${GENERATED}): "
                      "refresh it with `cmake --build BUILD --target update_result_schema` and "
                      "commit it with the change to src/output/schema.hpp or the tables it presents")
endif()

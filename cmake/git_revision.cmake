# Run at build time (not configure time): writes OUT with the checkout's git
# revision, touching it only when the revision changed so nothing rebuilds
# needlessly.  Outside a git checkout (a source tarball) the revision is "unknown".
execute_process(COMMAND git -C ${SOURCE_DIR} describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE failed ERROR_QUIET)
if(failed OR revision STREQUAL "")
  set(revision "unknown")
endif()
file(WRITE ${OUT}.tmp "#define TRACE_LISTEN_GIT_REVISION \"${revision}\"\n")
configure_file(${OUT}.tmp ${OUT} COPYONLY)
file(REMOVE ${OUT}.tmp)

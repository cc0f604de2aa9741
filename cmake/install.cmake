# Install rules and the Debian package (scripts/package runs cpack -G DEB).
# Paths follow Debian: the daemon in sbin, the unit in /lib/systemd/system,
# the configuration in /etc/trace-listen (a conffile).

set(TL_DOC_DIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/trace-listen)
set(TL_UNIT_DIR lib/systemd/system CACHE STRING "systemd unit directory, relative to the prefix's root")
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# Man pages and changelogs go in compressed (Debian policy 12.3, 12.7); -n keeps
# the package reproducible.
set(TL_GZ ${CMAKE_BINARY_DIR}/install-gz)
file(MAKE_DIRECTORY ${TL_GZ})
add_custom_command(OUTPUT ${TL_GZ}/trace-listen.8.gz
  COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/docs/trace-listen.8 > ${TL_GZ}/trace-listen.8.gz
  DEPENDS ${CMAKE_SOURCE_DIR}/docs/trace-listen.8)
add_custom_command(OUTPUT ${TL_GZ}/changelog.Debian.gz
  COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/deploy/debian/changelog > ${TL_GZ}/changelog.Debian.gz
  DEPENDS ${CMAKE_SOURCE_DIR}/deploy/debian/changelog)
add_custom_target(install_docs ALL DEPENDS ${TL_GZ}/trace-listen.8.gz ${TL_GZ}/changelog.Debian.gz)

install(TARGETS trace-listen RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES ${TL_GZ}/trace-listen.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES deploy/bash-completion/trace-listen
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions)
install(FILES deploy/systemd/trace-listen.service DESTINATION ${TL_UNIT_DIR})
# /etc whatever the prefix (Debian policy 10.7.2): stage with
# DESTDIR=ROOT cmake --install build --prefix /usr.
install(FILES deploy/trace-listen.conf DESTINATION /etc/trace-listen)
install(FILES examples/policy.yaml DESTINATION ${TL_DOC_DIR}/examples)
install(FILES deploy/elastic/index-template.json DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/trace-listen/elastic)
install(FILES deploy/debian/copyright ${TL_GZ}/changelog.Debian.gz DESTINATION ${TL_DOC_DIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME trace-listen)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "trace-listen developers <dev@trace-listen.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "eBPF audit of every socket bind, listen and listener close")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "trace-listen reports, live, every socket that binds, starts listening or stops
listening on the host, in every network namespace, with the process, its
ancestors and its container.  It writes ECS or OCSF JSON to files, syslog and
stdout, checks listeners against a policy and takes a snapshot of what listens
now.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# Depends: computed by dpkg-shlibdeps from the libraries the binary links.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR})
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

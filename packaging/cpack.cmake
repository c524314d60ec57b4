# cpack.cmake -- the kafka-monitoring-exporters .deb: the three exporters, their hardened systemd units, their
# users (sysusers.d) and /etc/default flag files. `cpack -G DEB` in the build directory makes it.
set(_pkg ${CMAKE_CURRENT_LIST_DIR})

foreach(_exp node-exporter-lite kafka-exporter mirror-exporter)
  install(FILES ${_pkg}/systemd/${_exp}.service DESTINATION lib/systemd/system COMPONENT exporters)
  install(FILES ${_pkg}/debian/${_exp}.default DESTINATION /etc/default RENAME ${_exp} COMPONENT exporters)
endforeach()
install(FILES ${_pkg}/debian/sysusers.conf DESTINATION lib/sysusers.d RENAME kafka-monitoring-exporters.conf
        COMPONENT exporters)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kafka-monitoring-exporters)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Prometheus exporters for Kafka: node-exporter-lite, kafka-exporter, mirror-exporter")
set(CPACK_PACKAGE_CONTACT "Kafka monitoring maintainers <kafka-monitoring@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Absolute /etc/default destinations are intended (conffiles).
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from the binaries themselves (dpkg-shlibdeps), plus systemd for sysusers and the units.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_pkg}/debian/postinst ${_pkg}/debian/prerm ${_pkg}/debian/postrm ${_pkg}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)

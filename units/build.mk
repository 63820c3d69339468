# units/: systemd units, xinetd and tcpserver configurations (installed by make install).

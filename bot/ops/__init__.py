"""Operations: health, metrics and the systemd watchdog of a running bot."""

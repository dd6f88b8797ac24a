#!/usr/bin/env bash
# Makes sure the Debian packages a make target needs are there.
#   scripts/system-packages.sh venv   Python 3.11 with venv
#   scripts/system-packages.sh run    what the running system needs (PDF: Pango, a CJK font)
#   scripts/system-packages.sh test   that, and the servers the tests start privately
# Missing packages are installed when running as root with apt-get; otherwise the
# script names them and stops.
set -euo pipefail

python=${PYTHON:-python3}
need=()

has_library() {
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q "$1"
}

# WeasyPrint (config/pdf.py) lays text out with Pango and HarfBuzz, and embeds the fonts
# fontconfig finds: without one with Chinese glyphs, Chinese prints as empty boxes.
need_run() {
  has_library libpango-1.0.so.0 || need+=(libpango-1.0-0)
  has_library libpangoft2-1.0.so.0 || need+=(libpangoft2-1.0-0)
  has_library libharfbuzz-subset.so.0 || need+=(libharfbuzz-subset0)
  command -v fc-list >/dev/null || need+=(fontconfig)
  { command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh family)" ]; } || need+=(fonts-wqy-microhei)
}
case "${1:-}" in
  venv)
    if ! command -v "$python" >/dev/null; then
      need+=(python3)
    elif ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "Python 3.11 is needed; $python is $("$python" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
      exit 1
    elif ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
      need+=(python3-venv)
    fi
    ;;
  run)
    need_run
    ;;
  test)
    need_run
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null || need+=(postgresql)
    command -v redis-server >/dev/null || need+=(redis-server)
    command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
    command -v xgettext >/dev/null || need+=(gettext)
    command -v chromium >/dev/null || need+=(chromium)
    command -v chromedriver >/dev/null || need+=(chromium-driver)
    ;;
  *)
    echo "usage: $0 venv|run|test" >&2
    exit 2
    ;;
esac

[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
else
  echo "Missing Debian packages: ${need[*]}" >&2
  echo "Install them with:  sudo apt-get install ${need[*]}" >&2
  exit 1
fi

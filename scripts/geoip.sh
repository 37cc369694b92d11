#!/usr/bin/env bash
# Installs a free, offline IP-to-country database (npm package
# @ip-location-db/geo-whois-asn-country-mmdb, CC0) for session locations,
# once, into the build cache: `make run` uses it when no geoip-database is
# set, and the integration tests read it. Prints nothing when it is there.
set -euo pipefail
dir="${TIMETHER_CACHE_DIR:-$HOME/.cache/timether}/geoip"
db="$dir/node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb"
[ -f "$db" ] && exit 0
echo "==> installing the IP-to-country database (npm @ip-location-db/geo-whois-asn-country-mmdb)"
mkdir -p "$dir"
npm install --no-save --no-audit --no-fund --prefix "$dir" @ip-location-db/geo-whois-asn-country-mmdb >/dev/null
[ -f "$db" ] || { echo "geoip: $db is missing after the install" >&2; exit 1; }

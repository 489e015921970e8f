#!/usr/bin/env bash
# Prints the .SRCINFO that `makepkg --printsrcinfo` would for the PKGBUILD given as $1, for
# the attributes a -bin package uses, in makepkg's order. It sources the PKGBUILD in bash as
# makepkg does, so ${pkgver} and friends are expanded the same way.
set -u
# shellcheck disable=SC1090 # the PKGBUILD to read is the argument
source "$1"
emit() {
  local key=$1 v
  shift
  for v in "$@"; do [[ -n $v ]] && printf '\t%s = %s\n' "$key" "$v"; done
  return 0
}
printf 'pkgbase = %s\n' "${pkgbase:-$pkgname}"
for attr in pkgdesc pkgver pkgrel epoch url install changelog; do emit "$attr" "${!attr:-}"; done
for attr in arch groups license checkdepends makedepends depends optdepends provides conflicts replaces \
  noextract options backup source validpgpkeys md5sums sha1sums sha224sums sha256sums sha384sums sha512sums b2sums; do
  declare -p "$attr" >/dev/null 2>&1 || continue
  declare -n values=$attr
  emit "$attr" "${values[@]}"
  unset -n values
done
# makepkg writes each architecture's attributes after all the common ones.
# shellcheck disable=SC2154 # arch is the PKGBUILD's, which this script sources above.
for a in "${arch[@]}"; do
  [[ $a == any ]] && continue
  for attr in source provides conflicts depends replaces optdepends makedepends checkdepends \
    md5sums sha1sums sha224sums sha256sums sha384sums sha512sums b2sums; do
    declare -p "${attr}_$a" >/dev/null 2>&1 || continue
    declare -n values=${attr}_$a
    emit "${attr}_$a" "${values[@]}"
    unset -n values
  done
done
printf '\npkgname = %s\n' "$pkgname"

#!/usr/bin/perl
# dockercask's xdg-open (also x-www-browser, sensible-browser, www-browser and $BROWSER): hands
# one URL to the link portal on the instance's own D-Bus bus, which routes it by the instance's
# links policy. Perl because the base image has perl-base and no dbus-send or gdbus. The URL is
# one argv element, passed through as it is; dockercask checks it.
use strict;
use warnings;
use IO::Socket::UNIX;

my $me = $0 =~ s{.*/}{}r;
die "usage: $me URL\n" unless @ARGV == 1;
my $url = $ARGV[0];
my ($path) = ($ENV{DBUS_SESSION_BUS_ADDRESS} // '') =~ /^unix:path=([^,;]+)/
  or die "$me: this instance has no dockercask bus (DBUS_SESSION_BUS_ADDRESS)\n";
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path) or die "$me: cannot reach the bus: $!\n";
binmode $s;

sub readn {
  my ($n) = @_;
  my $buf = '';
  while (length $buf < $n) {
    my $got = sysread($s, my $chunk, $n - length $buf);
    die "$me: the bus closed the connection\n" unless $got;
    $buf .= $chunk;
  }
  return $buf;
}
sub line { my $l = ''; $l .= readn(1) until $l =~ /\r\n\z/; return $l }

# EXTERNAL when we run as the supervisor's uid; ANONYMOUS when it is root and we are not.
syswrite $s, "\0AUTH EXTERNAL " . unpack('H*', "$<") . "\r\n";
if (line() !~ /^OK /) {
  syswrite $s, "AUTH ANONYMOUS " . unpack('H*', 'dockercask') . "\r\n";
  line() =~ /^OK / or die "$me: the bus refused to authenticate us\n";
}
syswrite $s, "BEGIN\r\n";

sub pad { my ($buf, $n) = @_; $$buf .= "\0" x ((-length $$buf) % $n) }
sub str { my ($buf, $v) = @_; pad($buf, 4); $$buf .= pack('V', length $v) . $v . "\0" }
sub sig { my ($buf, $v) = @_; $$buf .= pack('C', length $v) . $v . "\0" }

my $serial = 0;
sub call {
  my ($dest, $opath, $iface, $member, $signature, $body) = @_;
  my $f = '';
  my @fields = ([1, 'o', $opath], [2, 's', $iface], [3, 's', $member], [6, 's', $dest]);
  push @fields, [8, 'g', $signature] if length $signature;
  for (@fields) {
    my ($code, $type, $value) = @$_;
    pad(\$f, 8);
    $f .= pack('C', $code);
    sig(\$f, $type);
    $type eq 'g' ? sig(\$f, $value) : str(\$f, $value);
  }
  my $msg = pack('a1 C C C V V V', 'l', 1, 0, 1, length $body, ++$serial, length $f) . $f;
  pad(\$msg, 8);
  syswrite $s, $msg . $body;
  return $serial;
}

utf8::encode($url) if utf8::is_utf8($url);
call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello', '', '');
my $body = '';
str(\$body, '');
str(\$body, $url);
pad(\$body, 4);
$body .= pack('V', 0);
pad(\$body, 8);
my $want = call('org.freedesktop.portal.Desktop', '/org/freedesktop/portal/desktop', 'org.freedesktop.portal.OpenURI', 'OpenURI', 'ssa{sv}', $body);

# Read messages until the answer to OpenURI: a method return, or an error with its text.
while (1) {
  my ($endian, $type, undef, undef, $blen, undef, $flen) = unpack('a1 C C C V V V', readn(16));
  ($blen, $flen) = unpack('N N', pack('V V', $blen, $flen)) if $endian eq 'B';
  my $u32 = $endian eq 'B' ? 'N' : 'V';
  my $fields = readn($flen + ((-$flen) % 8));
  my $payload = readn($blen);
  my ($reply, $error, $bsig) = (0, '', '');
  my $pos = 0;
  while ($pos < $flen) {
    $pos += (-$pos) % 8;
    my $code = unpack('C', substr($fields, $pos, 1));
    my $slen = unpack('C', substr($fields, $pos + 1, 1));
    my $t = substr($fields, $pos + 2, $slen);
    $pos += 3 + $slen;
    if ($t eq 'u') { $pos += (-$pos) % 4; $reply = unpack($u32, substr($fields, $pos, 4)) if $code == 5; $pos += 4 }
    elsif ($t eq 'g') { my $l = unpack('C', substr($fields, $pos, 1)); $bsig = substr($fields, $pos + 1, $l) if $code == 8; $pos += 2 + $l }
    else { $pos += (-$pos) % 4; my $l = unpack($u32, substr($fields, $pos, 4)); $error = substr($fields, $pos + 4, $l) if $code == 4; $pos += 5 + $l }
  }
  next unless $reply == $want;
  exit 0 if $type == 2;
  if ($type == 3) {
    my $text = $bsig =~ /^s/ ? substr($payload, 4, unpack($u32, substr($payload, 0, 4))) : '';
    die "$me: $error" . ($text ne '' ? ": $text" : '') . "\n";
  }
}

#!/usr/bin/perl
# dockercask's xdg-open (also x-www-browser, sensible-browser, www-browser and $BROWSER): hands
# one URL to the link portal on the instance's own D-Bus bus, which routes it by the instance's
# links policy. Perl because the base image has perl-base and no dbus-send or gdbus. The URL is
# one argv element, passed through as it is; dockercask checks it.
#
# The D-Bus wire code (package DockercaskBus) is also the e2e tests' D-Bus client's
# (test/e2e/fixtures/dbus-call.pl), which loads this file with `require`: run as a program it
# opens the URL; required, it only defines the package.
use strict;
use warnings;
use IO::Socket::UNIX;

package DockercaskBus;

# Connects to the instance's bus and authenticates. `closed` is called when the bus hangs up
# on a read; by default it dies.
sub open_bus {
  my (%o) = @_;
  my $me = $o{me};
  my ($path) = ($ENV{DBUS_SESSION_BUS_ADDRESS} // '') =~ /^unix:path=([^,;]+)/
    or die "$me: this instance has no dockercask bus (DBUS_SESSION_BUS_ADDRESS)\n";
  my $s = IO::Socket::UNIX->new(Type => Socket::SOCK_STREAM(), Peer => $path) or die "$me: cannot reach the bus: $!\n";
  binmode $s;
  my $bus = { s => $s, me => $me, serial => 0, closed => $o{closed} // sub { die "$me: the bus closed the connection\n" } };
  # EXTERNAL when we run as the supervisor's uid; ANONYMOUS when it is root and we are not.
  syswrite $s, "\0AUTH EXTERNAL " . unpack('H*', "$<") . "\r\n";
  if (line($bus) !~ /^OK /) {
    syswrite $s, "AUTH ANONYMOUS " . unpack('H*', 'dockercask') . "\r\n";
    line($bus) =~ /^OK / or die "$me: the bus refused to authenticate us\n";
  }
  syswrite $s, "BEGIN\r\n";
  call($bus, 'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello', '', '');
  return $bus;
}

sub readn {
  my ($bus, $n) = @_;
  my $buf = '';
  while (length $buf < $n) {
    my $got = sysread($bus->{s}, my $chunk, $n - length $buf);
    $bus->{closed}->() unless $got;
    $buf .= $chunk;
  }
  return $buf;
}
sub line { my ($bus) = @_; my $l = ''; $l .= readn($bus, 1) until $l =~ /\r\n\z/; return $l }

# Marshalling, little-endian: padding, a string, a signature.
sub pad { my ($buf, $n) = @_; $$buf .= "\0" x ((-length $$buf) % $n) }
sub str { my ($buf, $v) = @_; pad($buf, 4); $$buf .= pack('V', length $v) . $v . "\0" }
sub sig { my ($buf, $v) = @_; $$buf .= pack('C', length $v) . $v . "\0" }

# Sends a method call; returns its serial.
sub call {
  my ($bus, $dest, $opath, $iface, $member, $signature, $body) = @_;
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
  my $msg = pack('a1 C C C V V V', 'l', 1, 0, 1, length $body, ++$bus->{serial}, length $f) . $f;
  pad(\$msg, 8);
  syswrite $bus->{s}, $msg . $body;
  return $bus->{serial};
}

# Reads messages until the answer to the call `want`: (2, '', its first string) for a method
# return, (3, the error's name, its text) for an error.
sub answer {
  my ($bus, $want) = @_;
  while (1) {
    my ($endian, $type, undef, undef, $blen, undef, $flen) = unpack('a1 C C C V V V', readn($bus, 16));
    ($blen, $flen) = unpack('N N', pack('V V', $blen, $flen)) if $endian eq 'B';
    my $u32 = $endian eq 'B' ? 'N' : 'V';
    my $fields = readn($bus, $flen + ((-$flen) % 8));
    my $payload = readn($bus, $blen);
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
    next unless $reply == $want && ($type == 2 || $type == 3);
    my $text = $bsig =~ /^s/ ? substr($payload, 4, unpack($u32, substr($payload, 0, 4))) : '';
    return ($type, $error, $text);
  }
}

package main;

sub open_url {
  my $me = $0 =~ s{.*/}{}r;
  die "usage: $me URL\n" unless @ARGV == 1;
  my $url = $ARGV[0];
  my $bus = DockercaskBus::open_bus(me => $me);
  utf8::encode($url) if utf8::is_utf8($url);
  my $body = '';
  DockercaskBus::str(\$body, '');
  DockercaskBus::str(\$body, $url);
  DockercaskBus::pad(\$body, 4);
  $body .= pack('V', 0);
  DockercaskBus::pad(\$body, 8);
  my $want = DockercaskBus::call($bus, 'org.freedesktop.portal.Desktop', '/org/freedesktop/portal/desktop', 'org.freedesktop.portal.OpenURI', 'OpenURI', 'ssa{sv}', $body);
  my ($type, $error, $text) = DockercaskBus::answer($bus, $want);
  exit 0 if $type == 2;
  die "$me: $error" . ($text ne '' ? ": $text" : '') . "\n";
}

open_url() unless caller;
1;

// Defaults for Firefox under dockercask; the user's own settings in the profile still win.
// A container cannot become the desktop's default browser: do not ask.
pref("browser.shell.checkDefaultBrowser", false);
// No welcome, what's-new or privacy-notice tabs: each is an error page when the instance is offline.
pref("startup.homepage_welcome_url", "");
pref("startup.homepage_override_url", "");
pref("datareporting.policy.firstRunURL", "");
pref("browser.aboutwelcome.enabled", false);

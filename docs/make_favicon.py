"""Draw the site's icon (a small graph on the header's blue) as an ICO of 16 and 32 px:
`python docs/make_favicon.py cipt_graph/visualize/assets/favicon.ico`."""
import math, struct, sys

BLUE = (0x1d, 0x4e, 0x89)
NODES = [(0.28, 0.70), (0.50, 0.27), (0.72, 0.70)]
EDGES = [(0, 1), (1, 2), (0, 2)]

def coverage(size, x, y, ss=4):
    """(background alpha, white amount) of pixel x, y, supersampled."""
    bg = white = 0
    for i in range(ss):
        for j in range(ss):
            px, py = (x + (i + .5) / ss) / size, (y + (j + .5) / ss) / size
            r = 0.18  # rounded corners
            cx, cy = min(max(px, r), 1 - r), min(max(py, r), 1 - r)
            inside = math.hypot(px - cx, py - cy) <= r
            if not inside:
                continue
            bg += 1
            w = any(math.hypot(px - nx, py - ny) <= 0.12 for nx, ny in NODES)
            for a, b in EDGES:
                (ax, ay), (bx, by) = NODES[a], NODES[b]
                dx, dy = bx - ax, by - ay
                t = max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
                if math.hypot(px - ax - t * dx, py - ay - t * dy) <= 0.045:
                    w = True
            white += w
    n = ss * ss
    return bg / n, (white / bg if bg else 0)

def bmp(size):
    rows = []
    for y in range(size - 1, -1, -1):  # bottom-up
        row = b""
        for x in range(size):
            a, w = coverage(size, x, y)
            r, g, b = (round(c + (255 - c) * w) for c in BLUE)
            row += bytes((b, g, r, round(255 * a)))
        rows.append(row)
    mask_row = b"\0" * (((size + 31) // 32) * 4)
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    return header + b"".join(rows) + mask_row * size

images = [(s, bmp(s)) for s in (16, 32)]
out = struct.pack("<HHH", 0, 1, len(images))
offset = 6 + 16 * len(images)
for s, data in images:
    out += struct.pack("<BBBBHHII", s, s, 0, 0, 1, 32, len(data), offset)
    offset += len(data)
out += b"".join(d for _, d in images)
open(sys.argv[1], "wb").write(out)
print(len(out))

"""Input bytes for the targets that read their choices through `arbitrary::Unstructured`.

Each method writes the bytes that make the matching helper of `fuzz_targets/common/gen.rs`
return the value asked for, as `arbitrary` 1.x reads them: `int_in_range` takes as many bytes
as the width of its range needs, most significant first, and reduces them modulo the range;
`bool` is the low bit of one byte; `ratio(num, den)` is an `int_in_range(1..=den)` of one byte
that says yes when at most `num`. A target reads its choices in program order, so a script
that writes them in that order steers the target through the flows it wants.
"""


class Tape:
    def __init__(self):
        self.out = bytearray()

    def int(self, lo, hi, value):
        """`gen::int(u, lo, hi)` returning `value`."""
        assert lo <= value <= hi, (lo, value, hi)
        delta = hi - lo
        width = 0
        while width < 8 and (delta >> (8 * width)) > 0:
            width += 1
        if width:
            self.out += (value - lo).to_bytes(width, "big")
        return self

    def index(self, length, i):
        """`gen::index(u, length)` returning `i`."""
        return self.int(0, length - 1, i)

    def flag(self, yes):
        """`gen::flag(u)`."""
        self.out.append(1 if yes else 0)
        return self

    def chance(self, num, den, yes):
        """`gen::chance(u, num, den)`: true on 1..=num of 1..=den."""
        return self.int(1, den, 1 if yes else den)

    def bytes(self, most, data):
        """`gen::bytes(u, most)` returning `data`."""
        if isinstance(data, str):
            data = data.encode()
        assert len(data) <= most, (len(data), most)
        self.int(0, most, len(data))
        self.out += data
        return self

    def text(self, most, s):
        """`gen::text(u, most)`."""
        return self.bytes(most, s)

    def pick_or_text(self, items, choice, most):
        """`gen::pick_or_text(u, items, most)`: an item by index, or text."""
        if isinstance(choice, int):
            return self.index(len(items) + 1, choice)
        self.index(len(items) + 1, len(items))
        return self.text(most, choice)

    def raw(self, data):
        """Bytes a target takes as they are (`take_rest`)."""
        if isinstance(data, str):
            data = data.encode()
        self.out += data
        return self

    def done(self):
        return bytes(self.out)

// Upload packer (ui/upload_packer.py): many files or a folder given to the Upload page's file
// uploader are packed, in the browser, into ONE uncompressed zip with their relative paths, and that
// archive is what the uploader sends. Streamlit's uploader sends (and redraws) file by file: 1,000
// small files took minutes; one archive takes seconds. A folder dropped on the box keeps its folder
// names too (the browser's own drop gives file names only).
//
// The packer listens in the capture phase on window, before the uploader's own handlers, for a
// `change` of the uploader's <input type=file> and a `drop` on its drop zone. One file alone, or
// anything it cannot pack, goes through untouched.
export default function (component) {
  const { data, parentElement } = component;
  const status = parentElement.querySelector(".packer-status");
  const state = (window.__longscopePacker = window.__longscopePacker || { installed: false });
  state.data = data; // the current uploader key, suffix and limits (data changes between reruns)
  state.status = status;
  if (state.installed) return;
  state.installed = true;

  const CRC = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    CRC[n] = c >>> 0;
  }
  const crc32 = (bytes) => {
    let c = 0xffffffff;
    for (let i = 0; i < bytes.length; i++) c = CRC[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const say = (text) => { if (state.status) state.status.textContent = text; };
  const isResult = (name) => {
    const lower = name.toLowerCase();
    return state.data.suffixes.some((s) => lower.endsWith(s));
  };

  // [{path, file}] -> a zip archive (method 0 = stored, UTF-8 names), as a File
  async function pack(items) {
    const enc = new TextEncoder();
    const parts = [], central = [];
    let offset = 0;
    const t0 = performance.now();
    for (let i = 0; i < items.length; i++) {
      const { path, file } = items[i];
      const bytes = new Uint8Array(await file.arrayBuffer());
      const name = enc.encode(path);
      const crc = crc32(bytes);
      const head = new DataView(new ArrayBuffer(30));
      head.setUint32(0, 0x04034b50, true); head.setUint16(4, 20, true); head.setUint16(6, 0x0800, true);
      head.setUint16(8, 0, true); head.setUint16(10, 0, true); head.setUint16(12, 0x21, true);
      head.setUint32(14, crc, true); head.setUint32(18, bytes.length, true); head.setUint32(22, bytes.length, true);
      head.setUint16(26, name.length, true); head.setUint16(28, 0, true);
      const dir = new DataView(new ArrayBuffer(46));
      dir.setUint32(0, 0x02014b50, true); dir.setUint16(4, 20, true); dir.setUint16(6, 20, true);
      dir.setUint16(8, 0x0800, true); dir.setUint16(10, 0, true); dir.setUint16(12, 0, true); dir.setUint16(14, 0x21, true);
      dir.setUint32(16, crc, true); dir.setUint32(20, bytes.length, true); dir.setUint32(24, bytes.length, true);
      dir.setUint16(28, name.length, true); dir.setUint32(42, offset, true);
      parts.push(head, name, bytes);
      central.push(dir, name);
      offset += 30 + name.length + bytes.length;
      if (i % 50 === 0 || i === items.length - 1) say(`Packing ${i + 1} of ${items.length} files into one archive…`);
    }
    const size = central.reduce((s, p) => s + p.byteLength, 0);
    const end = new DataView(new ArrayBuffer(22));
    end.setUint32(0, 0x06054b50, true); end.setUint16(8, items.length, true); end.setUint16(10, items.length, true);
    end.setUint32(12, size, true); end.setUint32(16, offset, true);
    const top = items[0].path.includes("/") ? items[0].path.split("/")[0] : "files";
    const zip = new File([...parts, ...central, end], top + state.data.suffix, { type: "application/zip" });
    say(`Packed ${items.length} files (${(offset / 1048576).toFixed(1)} MB) into one archive in ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s; sending it…`);
    return zip;
  }

  // what can be packed: result files only (a .zip among them: sent as they are, the server opens
  // it), at most 65,535 (no zip64), in all under the size limit
  function packable(items) {
    if (items.some((it) => it.path.toLowerCase().endsWith(".zip"))) return null;
    const kept = items.filter((it) => isResult(it.path));
    const total = kept.reduce((s, it) => s + it.file.size, 0);
    if (kept.length < 2 || kept.length > 65535 || total > state.data.max_bytes) return null;
    return kept;
  }

  const uploader = () => document.querySelector(`.st-key-${state.data.key}`);
  const passed = new WeakSet();

  function send(input, zip) {
    const dt = new DataTransfer();
    dt.items.add(zip);
    input.files = dt.files;
    const ev = new Event("change", { bubbles: true });
    passed.add(ev);
    input.dispatchEvent(ev);
  }

  window.addEventListener("change", async (ev) => {
    const box = uploader();
    const input = ev.target;
    if (passed.has(ev) || !box || !box.contains(input) || input.type !== "file") return;
    const items = Array.from(input.files || [], (f) => ({ path: f.webkitRelativePath || f.name, file: f }));
    const kept = packable(items);
    if (!kept) return; // one file, or too many / too big: the uploader sends them itself
    ev.stopImmediatePropagation();
    try {
      send(input, await pack(kept));
    } catch (err) {
      say(`Could not pack the files (${err}); sending them one by one.`);
      const dt = new DataTransfer();
      items.forEach((it) => dt.items.add(it.file));
      input.files = dt.files;
      const again = new Event("change", { bubbles: true });
      passed.add(again);
      input.dispatchEvent(again);
    }
  }, true);

  // a dropped folder: walk it (keeping its folder names), then send as a pick of those files would
  async function walk(entry, out) {
    if (entry.isFile) {
      out.push({ path: entry.fullPath.replace(/^\//, ""), file: await new Promise((ok, no) => entry.file(ok, no)) });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, no) => reader.readEntries(ok, no));
        if (!batch.length) break;
        for (const e of batch) if (!e.name.startsWith(".")) await walk(e, out);
      }
    }
  }

  ["dragover", "drop"].forEach((type) => window.addEventListener(type, async (ev) => {
    const box = uploader();
    if (!box || !box.contains(ev.target) || !ev.dataTransfer) return;
    const entries = Array.from(ev.dataTransfer.items || [], (it) => it.webkitGetAsEntry && it.webkitGetAsEntry()).filter(Boolean);
    if (entries.length < 2 && !entries.some((e) => e.isDirectory)) return; // one file: the uploader's own drop
    ev.preventDefault();
    ev.stopImmediatePropagation();
    if (type !== "drop") return;
    const input = box.querySelector("input[type=file]");
    try {
      say("Reading the dropped folder…");
      const items = [];
      for (const e of entries) await walk(e, items);
      const kept = packable(items);
      if (!kept) { say("Nothing to pack here: drop fewer or smaller files, or pick them with Browse files."); return; }
      send(input, await pack(kept));
    } catch (err) {
      say(`Could not read the dropped folder (${err}); pick it with Browse files instead.`);
    }
  }, true));
}

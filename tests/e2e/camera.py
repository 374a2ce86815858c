"""A phone camera's photo for browser tests and benchmarks, drawn by Chromium itself (Pillow is not a dependency)."""

# A phone camera's photo: 8 megapixels of gradients and sensor noise, saved as a JPEG of a few MB.
CAMERA_JPEG = """async (seed) => {
  const width = 3264, height = 2448;
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext("2d");
  const sky = g.createLinearGradient(0, 0, width, height);
  sky.addColorStop(0, `hsl(${seed * 97 % 360}, 60%, 70%)`);
  sky.addColorStop(1, `hsl(${(seed * 97 + 140) % 360}, 50%, 30%)`);
  g.fillStyle = sky;
  g.fillRect(0, 0, width, height);
  let state = seed * 2654435761 >>> 0;
  const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 4294967296);
  for (let i = 0; i < 60; i += 1) {  // a house, trees, a road: shapes with edges
    g.fillStyle = `hsl(${random() * 360}, ${30 + random() * 50}%, ${20 + random() * 60}%)`;
    g.fillRect(random() * width, random() * height, 100 + random() * 900, 100 + random() * 700);
  }
  const image = g.getImageData(0, 0, width, height);
  const pixels = image.data;
  for (let i = 0; i < pixels.length; i += 4) {  // sensor noise: what makes camera JPEGs big
    const n = (random() - 0.5) * 48;
    pixels[i] += n; pixels[i + 1] += n; pixels[i + 2] += n;
  }
  g.putImageData(image, 0, 0);
  const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.92 });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}"""

{
  "targets": [
    {
      "target_name": "dj_zarr_native",
      "sources": ["src/native.c"],
      "cflags": ["-O3"],
      "libraries": ["-lblosc", "-lzstd"]
    }
  ]
}

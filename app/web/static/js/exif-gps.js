/* Quartiersmelder – the position stored in a JPEG photo's EXIF GPS data, read in the browser:
 * the form offers the photo's location without sending the photo anywhere before the report
 * itself (each photo is uploaded once). QM.photoLocation(file) gives a promise of [lat, lon],
 * or null for a photo without a position, another type (HEIC, PNG …) or broken data. */
(function () {
  "use strict";
  var HEAD_BYTES = 256 * 1024; // the EXIF segment comes before the image data
  var EXIF = 0x45786966; // "Exif"

  function positionIn(buffer) {
    var view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) {
      return null; // not a JPEG
    }
    var offset = 2;
    while (offset + 4 <= view.byteLength) {
      var marker = view.getUint16(offset);
      var size = view.getUint16(offset + 2);
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) {
        return null; // broken, or the image data begins: no EXIF
      }
      if (marker === 0xffe1 && view.getUint32(offset + 4) === EXIF) {
        return fromTiff(view, offset + 10);
      }
      offset += 2 + size;
    }
    return null;
  }

  function fromTiff(view, tiff) {
    var little = view.getUint16(tiff) === 0x4949; // "II": Intel byte order
    function u16(at) { return view.getUint16(at, little); }
    function u32(at) { return view.getUint32(at, little); }
    function entries(ifd) {
      var byTag = {};
      for (var i = 0, n = u16(tiff + ifd); i < n; i++) {
        var entry = tiff + ifd + 2 + i * 12;
        byTag[u16(entry)] = entry;
      }
      return byTag;
    }
    function letter(entry) {
      return entry ? String.fromCharCode(view.getUint8(entry + 8)).toUpperCase() : "";
    }
    function degrees(entry) { // three RATIONALs: degrees, minutes, seconds
      if (!entry || u16(entry + 2) !== 5 || u32(entry + 4) !== 3) {
        return null;
      }
      var at = tiff + u32(entry + 8);
      var parts = [];
      for (var i = 0; i < 3; i++) {
        var denominator = u32(at + i * 8 + 4);
        if (!denominator) {
          return null;
        }
        parts.push(u32(at + i * 8) / denominator);
      }
      return parts[1] < 60 && parts[2] < 60 ? parts[0] + parts[1] / 60 + parts[2] / 3600 : null;
    }
    try {
      var gpsIfd = entries(u32(tiff + 4))[0x8825];
      if (!gpsIfd) {
        return null;
      }
      var gps = entries(u32(gpsIfd + 8));
      if (letter(gps[9]) === "V") {
        return null; // GPSStatus "void": the receiver had no fix
      }
      var lat = degrees(gps[2]);
      var lon = degrees(gps[4]);
      var latRef = letter(gps[1]);
      var lonRef = letter(gps[3]);
      if (lat === null || lon === null || lat > 90 || lon > 180 || (lat === 0 && lon === 0)
          || "NS".indexOf(latRef) < 0 || "EW".indexOf(lonRef) < 0 || !latRef || !lonRef) {
        return null;
      }
      return [latRef === "S" ? -lat : lat, lonRef === "W" ? -lon : lon];
    } catch (error) {
      return null; // RangeError: the EXIF data is cut off or points nowhere
    }
  }

  window.QM = window.QM || {};
  window.QM.photoLocation = function (file) {
    if (!file || !file.slice || !window.FileReader || !window.DataView) {
      return Promise.resolve(null);
    }
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () { resolve(positionIn(reader.result)); };
      reader.onerror = function () { resolve(null); };
      reader.readAsArrayBuffer(file.slice(0, HEAD_BYTES));
    });
  };
})();

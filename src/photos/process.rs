//! Turning an uploaded image into what is served: its type told by its own bytes, its size
//! checked from its header before any pixel is decoded, the camera's orientation applied, and
//! every rendition encoded anew, which leaves EXIF, XMP, IPTC and GPS metadata behind.

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::{PHOTO_BYTES_MAX, PHOTO_PIXELS_MAX, Rendition};

/// The quality of the JPEG renditions: no visible loss at their sizes.
const JPEG_QUALITY: u8 = 85;
/// The upright original is kept close to what was sent.
const JPEG_ORIGINAL_QUALITY: u8 = 92;

/// The kinds of image taken, and served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
}

impl ImageType {
    pub const ALL: [Self; 3] = [Self::Jpeg, Self::Png, Self::Webp];

    /// What the file's first bytes say it is, whatever it was sent as.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.mime() == mime)
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.extension() == extension)
    }

    fn format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Webp => ImageFormat::WebP,
        }
    }
}

/// Why an upload is not a photo that can be kept.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("a photo may be up to {} bytes (20 MiB)", PHOTO_BYTES_MAX)]
    TooLarge,
    #[error("the body is empty: send the image")]
    Empty,
    #[error("only JPEG, PNG and WebP images are taken")]
    Unsupported,
    #[error("the image is {width}x{height}: up to 50 megapixels are taken")]
    TooManyPixels { width: u32, height: u32 },
    #[error("the image cannot be read: it is damaged or cut short")]
    Undecodable,
}

/// A processed upload: its type, the upright size, and each rendition's encoded file.
#[derive(Debug)]
pub struct Processed {
    pub kind: ImageType,
    pub width: u32,
    pub height: u32,
    /// In [`Rendition::ALL`]'s order.
    pub files: Vec<Vec<u8>>,
}

/// What the image's header says, read without decoding its pixels: the work to budget for.
pub struct Header {
    pub kind: ImageType,
    pub width: u32,
    pub height: u32,
}

impl Header {
    /// Checks the upload's size, type and pixel count.
    pub fn read(bytes: &[u8]) -> Result<Self, ImageError> {
        if bytes.is_empty() {
            return Err(ImageError::Empty);
        }
        if bytes.len() > PHOTO_BYTES_MAX {
            return Err(ImageError::TooLarge);
        }
        let kind = ImageType::sniff(bytes).ok_or(ImageError::Unsupported)?;
        let (width, height) = reader(bytes, kind)
            .into_dimensions()
            .map_err(|_| ImageError::Undecodable)?;
        if u64::from(width) * u64::from(height) > PHOTO_PIXELS_MAX {
            return Err(ImageError::TooManyPixels { width, height });
        }
        Ok(Self {
            kind,
            width,
            height,
        })
    }

    /// Bytes the decoding may hold at once: the decoded image and one turned or resized copy,
    /// at up to 8 bytes a pixel (16-bit RGBA).
    pub fn working_bytes(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height) * 4 * 2
    }
}

/// A reader of `bytes` as `kind`, limited to what [`Header::read`] lets through.
fn reader(bytes: &[u8], kind: ImageType) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    let mut limits = Limits::default();
    limits.max_alloc = Some(PHOTO_PIXELS_MAX * 8);
    reader.limits(limits);
    reader
}

/// Decodes, turns upright and encodes every rendition. CPU-bound: run it off the async
/// threads, and only after [`Header::read`] accepted the bytes.
pub fn process(bytes: &[u8], header: &Header) -> Result<Processed, ImageError> {
    let kind = header.kind;
    let mut decoder = reader(bytes, kind)
        .into_decoder()
        .map_err(|_| ImageError::Undecodable)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| ImageError::Undecodable)?;
    image.apply_orientation(orientation);
    let image = match kind {
        // JPEG has no alpha, and 8 bits a channel is what every rendition is encoded at.
        ImageType::Jpeg => DynamicImage::ImageRgb8(image.into_rgb8()),
        ImageType::Png | ImageType::Webp if image.color().has_alpha() => {
            DynamicImage::ImageRgba8(image.into_rgba8())
        }
        ImageType::Png | ImageType::Webp => DynamicImage::ImageRgb8(image.into_rgb8()),
    };
    let (width, height) = (image.width(), image.height());
    let mut files = Vec::with_capacity(Rendition::ALL.len());
    for rendition in Rendition::ALL {
        let file = match rendition.bounds() {
            Some(bounds) => {
                let (w, h) = fit(width, height, bounds);
                if (w, h) == (width, height) {
                    encode(&image, kind, JPEG_QUALITY)?
                } else {
                    encode(&resized(&image, w, h)?, kind, JPEG_QUALITY)?
                }
            }
            None => encode(&image, kind, JPEG_ORIGINAL_QUALITY)?,
        };
        files.push(file);
    }
    Ok(Processed {
        kind,
        width,
        height,
        files,
    })
}

/// The size of an image of `width`x`height` fitted into `bounds`, never enlarged.
pub fn fit(width: u32, height: u32, (max_width, max_height): (u32, u32)) -> (u32, u32) {
    if width <= max_width && height <= max_height {
        return (width, height);
    }
    let scale = f64::min(
        f64::from(max_width) / f64::from(width),
        f64::from(max_height) / f64::from(height),
    );
    let scaled = |side: u32, max: u32| ((f64::from(side) * scale).round() as u32).clamp(1, max);
    (scaled(width, max_width), scaled(height, max_height))
}

fn resized(image: &DynamicImage, width: u32, height: u32) -> Result<DynamicImage, ImageError> {
    let mut target = DynamicImage::new(width, height, image.color());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new()
        .resize(image, &mut target, &options)
        .map_err(|_| ImageError::Undecodable)?;
    Ok(target)
}

/// The image encoded as `kind`, with nothing but its pixels.
fn encode(image: &DynamicImage, kind: ImageType, quality: u8) -> Result<Vec<u8>, ImageError> {
    let mut file = Vec::new();
    let written = match kind {
        ImageType::Jpeg => {
            image.write_with_encoder(JpegEncoder::new_with_quality(&mut file, quality))
        }
        ImageType::Png => image.write_with_encoder(PngEncoder::new(&mut file)),
        ImageType::Webp => image.write_with_encoder(WebPEncoder::new_lossless(&mut file)),
    };
    written.map_err(|_| ImageError::Undecodable)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_is_fitted_into_its_bounds_and_never_enlarged() {
        assert_eq!(fit(6000, 4000, (200, 250)), (200, 133));
        assert_eq!(fit(4000, 6000, (200, 250)), (167, 250));
        assert_eq!(fit(100, 120, (200, 250)), (100, 120));
        assert_eq!(fit(20000, 1, (200, 250)), (200, 1));
    }

    #[test]
    fn the_type_is_told_by_the_bytes() {
        assert_eq!(
            ImageType::sniff(b"\xFF\xD8\xFF\xE0rest"),
            Some(ImageType::Jpeg)
        );
        assert_eq!(
            ImageType::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(ImageType::Png)
        );
        assert_eq!(
            ImageType::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageType::Webp)
        );
        assert_eq!(ImageType::sniff(b"GIF89a"), None);
        assert_eq!(ImageType::sniff(b"<svg xmlns="), None);
    }
}

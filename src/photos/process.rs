//! Turning an uploaded image into what is served: its type told by its own bytes, its size
//! checked from its header before any pixel is decoded, the camera's orientation applied, and
//! every rendition encoded anew, which leaves EXIF, XMP, IPTC and GPS metadata behind.

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::metadata::Orientation;
use image::{
    DynamicImage, GenericImageView, ImageDecoder, ImageFormat, ImageReader, Limits, Rgb, RgbImage,
};

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
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|_| ImageError::Undecodable)?;
    let image = match kind {
        // JPEG has no alpha, and 8 bits a channel is what every rendition is encoded at.
        ImageType::Jpeg => DynamicImage::ImageRgb8(image.into_rgb8()),
        ImageType::Png | ImageType::Webp if image.color().has_alpha() => {
            DynamicImage::ImageRgba8(image.into_rgba8())
        }
        ImageType::Png | ImageType::Webp => DynamicImage::ImageRgb8(image.into_rgb8()),
    };
    let turned = |(width, height): (u32, u32)| {
        if quarter_turn(orientation) {
            (height, width)
        } else {
            (width, height)
        }
    };
    let (width, height) = turned(image.dimensions());
    let mut files = vec![Vec::new(); Rendition::ALL.len()];
    files[Rendition::Original as usize] = encode_upright(&image, orientation, kind)?;
    // The large rendition is resized from the image as stored and then turned, so that only a
    // few megapixels are ever turned; the whole image is let go once it is made. Each smaller
    // one is resized from the one before it, reading a few megapixels, not the whole image.
    let stored_size = turned(Rendition::Large.size_for(width, height));
    let mut source = if stored_size == image.dimensions() {
        image
    } else {
        let large = resized(&image, stored_size.0, stored_size.1)?;
        drop(image);
        large
    };
    source.apply_orientation(orientation);
    files[Rendition::Large as usize] = encode(&source, kind, JPEG_QUALITY)?;
    for rendition in [Rendition::Card, Rendition::Thumb] {
        let (w, h) = rendition.size_for(width, height);
        if (w, h) != source.dimensions() {
            source = resized(&source, w, h)?;
        }
        files[rendition as usize] = encode(&source, kind, JPEG_QUALITY)?;
    }
    Ok(Processed {
        kind,
        width,
        height,
        files,
    })
}

/// Whether `orientation` turns the image a quarter, so that its width and height swap.
fn quarter_turn(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// The whole image upright, encoded with nothing but its pixels. A JPEG is read through
/// [`Upright`] by an encoder that takes its pixels one block at a time, so the whole image is
/// never copied to be turned; a PNG or WebP encoder wants them in one buffer.
fn encode_upright(
    image: &DynamicImage,
    orientation: Orientation,
    kind: ImageType,
) -> Result<Vec<u8>, ImageError> {
    match image {
        DynamicImage::ImageRgb8(pixels) if kind == ImageType::Jpeg => {
            let mut file = Vec::new();
            JpegEncoder::new_with_quality(&mut file, JPEG_ORIGINAL_QUALITY)
                .encode_image(&Upright {
                    image: pixels,
                    orientation,
                })
                .map_err(|_| ImageError::Undecodable)?;
            Ok(file)
        }
        _ if orientation == Orientation::NoTransforms => encode(image, kind, JPEG_ORIGINAL_QUALITY),
        _ => {
            let mut upright = image.clone();
            upright.apply_orientation(orientation);
            encode(&upright, kind, JPEG_ORIGINAL_QUALITY)
        }
    }
}

/// An image as its orientation makes it look, read in place: each pixel of the upright image
/// is the one of the stored image that `apply_orientation` would move there.
struct Upright<'a> {
    image: &'a RgbImage,
    orientation: Orientation,
}

impl GenericImageView for Upright<'_> {
    type Pixel = Rgb<u8>;

    fn dimensions(&self) -> (u32, u32) {
        let (width, height) = self.image.dimensions();
        if quarter_turn(self.orientation) {
            (height, width)
        } else {
            (width, height)
        }
    }

    fn get_pixel(&self, x: u32, y: u32) -> Rgb<u8> {
        let (width, height) = self.image.dimensions();
        let (last_x, last_y) = (width - 1, height - 1);
        let (from_x, from_y) = match self.orientation {
            Orientation::NoTransforms => (x, y),
            Orientation::Rotate90 => (y, last_y - x),
            Orientation::Rotate180 => (last_x - x, last_y - y),
            Orientation::Rotate270 => (last_x - y, x),
            Orientation::FlipHorizontal => (last_x - x, y),
            Orientation::FlipVertical => (x, last_y - y),
            Orientation::Rotate90FlipH => (y, x),
            Orientation::Rotate270FlipH => (last_x - y, last_y - x),
        };
        *self.image.get_pixel(from_x, from_y)
    }
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
    fn the_upright_view_shows_each_pixel_where_turning_the_image_puts_it() {
        let stored = RgbImage::from_fn(5, 3, |x, y| Rgb([x as u8, y as u8, (x * 3 + y) as u8]));
        for exif in 1..=8 {
            let orientation = Orientation::from_exif(exif).expect("an orientation");
            let mut turned = DynamicImage::ImageRgb8(stored.clone());
            turned.apply_orientation(orientation);
            let view = Upright {
                image: &stored,
                orientation,
            };
            assert_eq!(view.dimensions(), turned.dimensions(), "{orientation:?}");
            let (width, height) = view.dimensions();
            for (x, y) in (0..height).flat_map(|y| (0..width).map(move |x| (x, y))) {
                assert_eq!(
                    view.get_pixel(x, y),
                    *turned.as_rgb8().expect("RGB").get_pixel(x, y),
                    "{orientation:?} at {x},{y}"
                );
            }
        }
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

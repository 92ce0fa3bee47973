//! Printable material for an entry point: its link as a QR code, in SVG (for print shops) and PNG
//! (for anything else), for workers to hand out on a card or a sticker. The code itself is never
//! printed in it: the link opens only the disguised face.

use crate::error::{ApiError, ApiResult};
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module in the PNG, and modules of white around the code (the standard's minimum).
const PNG_SCALE: usize = 8;
const QUIET_ZONE: usize = 4;

/// The two forms a QR code is printed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }
}

/// The link as a QR code in `format`.
pub fn qr_code(link: &str, format: Format) -> ApiResult<Vec<u8>> {
    match format {
        Format::Svg => svg(link).map(String::into_bytes),
        Format::Png => png(link),
    }
}

fn code_of(link: &str) -> ApiResult<QrCode> {
    // Level M survives a smudge or a fold on a card.
    QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M).map_err(ApiError::internal)
}

fn svg(link: &str) -> ApiResult<String> {
    Ok(code_of(link)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

fn png(link: &str) -> ApiResult<Vec<u8>> {
    let code = code_of(link)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * PNG_SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
        for row in y * PNG_SCALE..(y + 1) * PNG_SCALE {
            pixels[row * side + x * PNG_SCALE..row * side + (x + 1) * PNG_SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side).map_err(ApiError::internal)?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(ApiError::internal)?;
    writer
        .write_image_data(&pixels)
        .map_err(ApiError::internal)?;
    writer.finish().map_err(ApiError::internal)?;
    Ok(out)
}

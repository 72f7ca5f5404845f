//! A `multipart/form-data` body that carries one file, as the API and the web app both take a
//! photo: the file under its field's name, and the form's text fields beside it.

use axum::body::Bytes;
use axum::extract::Multipart;

/// The text fields of a form and its one file.
pub struct FileForm {
    pub texts: Vec<(String, String)>,
    pub file: Bytes,
}

impl FileForm {
    /// The text field `name`, if the form has it.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Why a form does not carry one file.
#[derive(Debug, thiserror::Error)]
pub enum FileFormError {
    #[error("the multipart body cannot be read")]
    Unreadable,
    #[error("{0}: the form holds no file `{0}`")]
    NoFile(&'static str),
    #[error("{0}: send one file, not several")]
    SeveralFiles(&'static str),
}

/// Reads a form whose file is the field `file_field`: exactly one such field, any others read
/// as text.
pub async fn one_file(
    mut form: Multipart,
    file_field: &'static str,
) -> Result<FileForm, FileFormError> {
    let mut texts = Vec::new();
    let mut file = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| FileFormError::Unreadable)?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name != file_field {
            // Other files are no text, and nothing of this form's: they are passed over.
            let bytes = field.bytes().await.map_err(|_| FileFormError::Unreadable)?;
            if let Ok(text) = String::from_utf8(bytes.into()) {
                texts.push((name, text));
            }
            continue;
        }
        if file.is_some() {
            return Err(FileFormError::SeveralFiles(file_field));
        }
        file = Some(field.bytes().await.map_err(|_| FileFormError::Unreadable)?);
    }
    let file = file.ok_or(FileFormError::NoFile(file_field))?;
    Ok(FileForm { texts, file })
}

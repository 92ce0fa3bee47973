//! How the server stores protocol types (feature `diesel`): states, roles and ids are text
//! columns, read back through the same names they are written with, on every backend diesel
//! serves. A value the type does not know is an error, never a default.

use crate::api::{ConversationState, Role};
use crate::cards::CardState;
use crate::decoys::DisguiseTheme;
use crate::ids::{AccountId, CardId, ConversationId, EntryPointId, OrganisationId};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

/// Enums written by `as_str` and read by `parse`.
macro_rules! text_enum {
    ($($t:ident),*) => {$(
        impl<DB: Backend> ToSql<Text, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $t
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                $t::parse(&text)
                    .ok_or_else(|| format!("{} has no value {text:?}", stringify!($t)).into())
            }
        }
    )*};
}

/// Text newtypes, stored as their text.
macro_rules! text_id {
    ($($t:ident),*) => {$(
        impl<DB: Backend> ToSql<Text, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $t
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map($t)
            }
        }
    )*};
}

text_enum!(ConversationState, CardState, Role, DisguiseTheme);
text_id!(
    AccountId,
    OrganisationId,
    ConversationId,
    CardId,
    EntryPointId
);

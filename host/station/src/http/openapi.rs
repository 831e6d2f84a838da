//! The OpenAPI document, kept beside the routes it describes; a test checks
//! that every route is in it.

pub const DOCUMENT: &str = include_str!("openapi.json");

//! The console's words: every label and message comes from a catalogue, one
//! per language, keyed the same. `messages/zh.json` and `messages/en.json`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The language a page is shown in. Chinese unless the visitor chose English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The HTML `lang` attribute.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

pub type Catalogue = BTreeMap<String, String>;

pub const ZH: &str = include_str!("../messages/zh.json");
pub const EN: &str = include_str!("../messages/en.json");

fn load(text: &str, name: &str) -> Catalogue {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("host/console/messages/{name}.json: {e}"))
}

pub fn catalogue(lang: Lang) -> &'static Catalogue {
    static ZH_CAT: OnceLock<Catalogue> = OnceLock::new();
    static EN_CAT: OnceLock<Catalogue> = OnceLock::new();
    match lang {
        Lang::Zh => ZH_CAT.get_or_init(|| load(ZH, "zh")),
        Lang::En => EN_CAT.get_or_init(|| load(EN, "en")),
    }
}

/// The message `key` in `lang`. A missing key shows as the key itself in
/// brackets (the catalogue test fails on it before it ships).
pub fn t(lang: Lang, key: &str) -> String {
    catalogue(lang).get(key).cloned().unwrap_or_else(|| format!("⟦{key}⟧"))
}

/// A date in the language's own form: `2017年6月15日`, `15 June 2017`.
/// Text that is not an ISO date is shown as it is.
pub fn date(lang: Lang, iso: &str) -> String {
    let head = iso.get(..10).unwrap_or(iso);
    let parts: Vec<&str> = head.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return iso.to_string() };
    let (Ok(m), Ok(d)) = (m.parse::<usize>(), d.parse::<u32>()) else { return iso.to_string() };
    if !(1..=12).contains(&m) || y.len() != 4 {
        return iso.to_string();
    }
    match lang {
        Lang::Zh => format!("{y}年{m}月{d}日"),
        Lang::En => format!("{d} {} {y}", t(Lang::En, &format!("month.{m}"))),
    }
}

/// A citizen ID number as the console shows it: region and check digits only.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_masks() {
        assert_eq!(date(Lang::Zh, "2017-06-15"), "2017年6月15日");
        assert_eq!(date(Lang::En, "2017-06-15"), "15 June 2017");
        assert_eq!(date(Lang::En, "2017-06-15T01:02:03Z"), "15 June 2017");
        assert_eq!(date(Lang::En, "not a date"), "not a date");
        assert_eq!(mask_id("340102198503150012"), "340102********0012");
    }
}

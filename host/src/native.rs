//! The native builds of the modules linked into this binary, by module id.
//!
//! Used only to cross-check certification and as the benchmark baseline;
//! serving always runs the wasm component.

use juzhu_sdk::NativeModule;

/// The native build of the module with this id, when it is linked in.
pub fn module(id: &str) -> Option<NativeModule> {
    #[cfg(feature = "native-modules")]
    {
        match id {
            "zhejiang" => return Some(juzhu_plugin_zhejiang::native()),
            "ningbo-jiangbei" => return Some(juzhu_plugin_ningbo_jiangbei::native()),
            "hangzhou-gongshu" => return Some(juzhu_plugin_hangzhou_gongshu::native()),
            "jiaxing" => return Some(juzhu_plugin_jiaxing::native()),
            "zhangzhou" => return Some(juzhu_plugin_zhangzhou::native()),
            _ => {}
        }
    }
    let _ = id;
    None
}

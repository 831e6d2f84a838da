//! The native builds of the in-tree modules, by module id.
//!
//! Used only to cross-check certification and as the benchmark baseline;
//! serving always runs the wasm component.

use juzhu_sdk::NativeModule;

/// The native build of the module with this id, when it is linked in.
pub fn module(id: &str) -> Option<NativeModule> {
    match id {
        "zhejiang" => Some(juzhu_plugin_zhejiang::native()),
        "ningbo-jiangbei" => Some(juzhu_plugin_ningbo_jiangbei::native()),
        "hangzhou-gongshu" => Some(juzhu_plugin_hangzhou_gongshu::native()),
        "jiaxing" => Some(juzhu_plugin_jiaxing::native()),
        "zhangzhou" => Some(juzhu_plugin_zhangzhou::native()),
        _ => None,
    }
}

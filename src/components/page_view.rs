//! The view of a whole page, hydrated one way only.
//!
//! Leptos' router type-erases each route's view, and in Leptos 0.8 a type-erased view keeps both
//! ways of hydrating the whole tree under it: the synchronous one `hydrate_body` uses, and an
//! asynchronous one that lazy-loaded routes use (leptos#4438, #4852). A lazy route waits for its
//! code before it hydrates, but nothing inside a page's own view is lazy, so every page wraps its
//! view in [`PageView`], whose asynchronous hydration is the synchronous one: the compiler then
//! keeps one copy of each page's hydration code, and the browser's bundle is about a tenth
//! smaller.
//!
//! A page marks the body `data-hydrated` once its own view has hydrated: a lazy route's page
//! hydrates after the application around it, so the application's own effects run too early to
//! say so.

use leptos::tachys::{
    html::attribute::{any_attribute::AnyAttribute, Attribute},
    hydration::Cursor,
    ssr::StreamBuilder,
    view::{add_attr::AddAnyAttr, Position, PositionState, Render, RenderHtml},
};

/// A page's view: rendered exactly like the view inside it, hydrated synchronously only.
pub struct PageView<V>(pub V);

impl<V: Render> Render for PageView<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<V: AddAnyAttr> AddAnyAttr for PageView<V> {
    type Output<SomeNewAttr: Attribute> = PageView<V::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        PageView(self.0.add_any_attr(attr))
    }
}

impl<V: RenderHtml> RenderHtml for PageView<V> {
    type AsyncOutput = PageView<V::AsyncOutput>;
    type Owned = PageView<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;
    const EXISTS: bool = V::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve()
    }

    async fn resolve(self) -> Self::AsyncOutput {
        PageView(self.0.resolve().await)
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs)
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        )
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        let state = self.0.hydrate::<FROM_SERVER>(cursor, position);
        mark_hydrated();
        state
    }

    // `hydrate_async` is left to its default: the synchronous `hydrate` above.

    fn into_owned(self) -> Self::Owned {
        PageView(self.0.into_owned())
    }
}

/// Marks the body as hydrated: until then links are the browser's to follow (see
/// `crate::hydrate`), some controls are hidden, and end-to-end tests wait for it before they click.
fn mark_hydrated() {
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router';
import { Api } from './api.js';
import { Auth } from './auth.js';
import { Layout } from './layout.js';
import { AccountPage } from './pages/account.js';
import { CallbackPage } from './pages/callback.js';
import { CartPage } from './pages/cart.js';
import { CataloguePage } from './pages/catalogue.js';
import { CheckoutPage } from './pages/checkout.js';
import { NotificationsPage } from './pages/notifications.js';
import { OrderPage, OrdersPage } from './pages/orders.js';
import { ProductPage } from './pages/product.js';
import { ShopContext } from './shop.js';
import { loadSite } from './site.js';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

try {
  const site = await loadSite();
  const auth = new Auth(site);
  const shop = { site, auth, api: new Api(auth) };
  root.render(
    <StrictMode>
      <ShopContext.Provider value={shop}>
        <BrowserRouter>
          <Layout>
            <Routes>
              <Route path="/" element={<CataloguePage />} />
              <Route path="/products/:sku" element={<ProductPage />} />
              <Route path="/cart" element={<CartPage />} />
              <Route path="/checkout" element={<CheckoutPage />} />
              <Route path="/orders" element={<OrdersPage />} />
              <Route path="/orders/:id" element={<OrderPage />} />
              <Route path="/notifications" element={<NotificationsPage />} />
              <Route path="/account" element={<AccountPage />} />
              <Route path="/callback" element={<CallbackPage />} />
              <Route path="*" element={<p role="alert">There is no such page in the shop.</p>} />
            </Routes>
          </Layout>
        </BrowserRouter>
      </ShopContext.Provider>
    </StrictMode>,
  );
} catch {
  root.render(<p role="alert">The shop could not start: its settings did not load. Please reload the page.</p>);
}
